"""tenderwatch: an alerting monitor for public tenders."""

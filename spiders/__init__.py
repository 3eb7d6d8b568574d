"""Portal spiders: one small module per portal, on the shared bases in spiders/base.py."""

"""The plain-text rendering of one alert, shared by the console and any text channel."""

from __future__ import annotations

from tenderwatch.alerts import AlertPayload


def render_text(p: AlertPayload) -> str:
    head = p.lead.upper()
    lines = [f"[{p.severity.upper()}] {head}{p.notice_type_label}: {p.title}", f"  {p.url}"]
    facts = [("buyer", p.buyer), ("region", p.region), ("published", p.published_at or ""),
             ("budget", p.budget or ""), ("awarded", p.award_amount or ""), ("deadline", p.deadline or ""),
             ("suppliers", ", ".join(p.suppliers))]
    lines += [f"  {name}: {value}" for name, value in facts if value]
    by_entity: dict[tuple[str, str], list[str]] = {}
    for hit in p.hits:
        where = by_entity.setdefault((hit.entity, hit.entity_kind), [])
        found = f"'{hit.alias}' in {hit.field}"
        if found not in where:
            where.append(found)
    for (entity, kind), found in by_entity.items():
        lines.append(f"  matched {entity} ({kind}): {', '.join(found)}")
    if p.update_of:
        label = "first published as" if p.kind == "republished" else "update of"
        lines.append(f"  {label}: {p.update_of['title']} {p.update_of['url']}")
    for place in p.also_at:
        lines.append(f"  also published on {place['portal']}: {place['url']}")
    lines.append(f"  watchlists: {', '.join(w.title for w in p.watchlists)}")
    return "\n".join(lines)

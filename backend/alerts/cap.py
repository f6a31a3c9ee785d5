"""Alerts as documents: CAP 1.2 messages and an Atom feed of the active ones."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlparse
from xml.etree import ElementTree as ET

from backend.alerts.models import Alert

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
ATOM_TYPE = "application/atom+xml"
URGENCY = {
    "minor": "Expected",
    "moderate": "Expected",
    "severe": "Immediate",
    "extreme": "Immediate",
}


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset and never "Z"."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def sender(base_url: str) -> str:
    return f"alerts@{urlparse(base_url).hostname or 'cityloop.invalid'}"


def identifier(alert: Alert, base_url: str) -> str:
    return f"{urlparse(base_url).hostname or 'cityloop'}:alert:{alert.id}"


def _sub(parent: ET.Element, tag: str, text: str, ns: str = CAP_NS) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}")
    element.text = text
    return element


def cap_document(alert: Alert, base_url: str) -> bytes:
    """The alert as a CAP 1.2 ``<alert>`` (elements in the schema's order)."""
    ET.register_namespace("", CAP_NS)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", identifier(alert, base_url))
    _sub(root, "sender", sender(base_url))
    _sub(root, "sent", cap_time(alert.sent_at))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "scope", "Public")
    if alert.references is not None:
        earlier = alert.references
        ref = f"{sender(base_url)},{identifier(earlier, base_url)},{cap_time(earlier.sent_at)}"
        _sub(root, "references", ref)
    info = ET.SubElement(root, f"{{{CAP_NS}}}info")
    _sub(info, "language", "en")
    _sub(info, "category", "Safety")
    _sub(info, "event", alert.title)
    _sub(info, "responseType", "AllClear" if alert.msg_type == "Cancel" else "Monitor")
    _sub(info, "urgency", "Past" if alert.msg_type == "Cancel" else URGENCY[alert.severity])
    _sub(info, "severity", alert.severity.capitalize())
    _sub(info, "certainty", "Observed")
    _sub(info, "expires", cap_time(alert.expires_at))
    if alert.department is not None:
        _sub(info, "senderName", alert.department.name)
    _sub(info, "headline", alert.title)
    _sub(info, "description", alert.body)
    _sub(info, "web", f"{base_url.rstrip('/')}/alerts/{alert.id}")
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    _sub(area, "areaDesc", f"Within {alert.radius_m} m of {alert.lat:.5f}, {alert.lon:.5f}")
    _sub(area, "circle", f"{alert.lat:.6f},{alert.lon:.6f} {alert.radius_m / 1000:g}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom_feed(alerts: list[Alert], base_url: str, now: datetime) -> bytes:
    """An Atom 1.0 feed of the active alerts, each linking to its CAP message."""
    ET.register_namespace("", ATOM_NS)
    base = base_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", f"{base}/api/v1/alerts/feed.atom", ATOM_NS)
    _sub(feed, "title", "CityLoop alerts", ATOM_NS)
    updated = max((a.sent_at for a in alerts), default=now)
    _sub(feed, "updated", cap_time(updated), ATOM_NS)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=f"{base}/api/v1/alerts/feed.atom")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _sub(author, "name", "CityLoop", ATOM_NS)
    for alert in alerts:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _sub(entry, "id", f"{base}/api/v1/alerts/{alert.id}.cap", ATOM_NS)
        _sub(entry, "title", alert.title, ATOM_NS)
        _sub(entry, "updated", cap_time(alert.sent_at), ATOM_NS)
        _sub(entry, "summary", alert.body, ATOM_NS)
        href = f"{base}/api/v1/alerts/{alert.id}.cap"
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", type=CAP_TYPE, href=href)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

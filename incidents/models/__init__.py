"""Models of the incidents app, one module per topic."""

from .attachments import IncidentMedia
from .categories import Category, CategoryAttribute, NetworkKind
from .events import EventKind, IncidentEvent
from .incidents import FINISHED_STATUSES, OPEN_STATUSES, STAFF_CHANNELS, Channel, Incident, Status
from .outbox import OutboxMessage
from .privacy import Follower, PinDropLink
from .routing import RoutingRule

__all__ = [
    "Category", "CategoryAttribute", "Channel", "EventKind", "FINISHED_STATUSES", "Follower", "Incident",
    "IncidentEvent", "IncidentMedia", "NetworkKind", "OPEN_STATUSES", "OutboxMessage", "PinDropLink", "RoutingRule",
    "STAFF_CHANNELS", "Status",
]

"""Registry models, re-exported so callers keep one import path."""

from .activities import (
    AWARD_OPTIONS,
    Authority,
    AwardForm,
    BridgePoint,
    Commendation,
    Event,
    EventKind,
    PropagandaActivity,
    RecipientKind,
    WelfareAction,
    WelfareKind,
)
from .common import LeadOrganisation, Record
from .groups import Grade, Group, GroupEvaluation, GroupType
from .incidents import HANDOVER_UNITS, Handover, HandoverKind, PoppyEradication, Surrender
from .persons import EpisodeResult, ManagementEpisode, Person, ReasonCategory, Sex
from .rehab import RehabEnrolment, RehabOutcome, RehabRound

__all__ = [
    "AWARD_OPTIONS",
    "HANDOVER_UNITS",
    "Authority",
    "AwardForm",
    "BridgePoint",
    "Commendation",
    "EpisodeResult",
    "Event",
    "EventKind",
    "Grade",
    "Group",
    "GroupEvaluation",
    "GroupType",
    "Handover",
    "HandoverKind",
    "LeadOrganisation",
    "ManagementEpisode",
    "Person",
    "PoppyEradication",
    "PropagandaActivity",
    "ReasonCategory",
    "RecipientKind",
    "Record",
    "RehabEnrolment",
    "RehabOutcome",
    "RehabRound",
    "Sex",
    "Surrender",
    "WelfareAction",
    "WelfareKind",
]

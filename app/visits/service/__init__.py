"""The visits' use cases, a module per resource; the names other code calls are here."""

from app.visits.repository import DEMAND_SORTS, VISIT_SORTS
from app.visits.service.assessment import (
    assessment,
    team_ranking,
)
from app.visits.service.demands import (
    DemandNotFound,
    demand_history,
    get_demand,
    list_demands,
    may_act_for,
    move_demand,
    raise_demand,
)
from app.visits.service.figures import (
    current_round,
    demand_counts,
    enterprises_told,
    stream_demands,
    stream_visits,
    visits_in_year,
)
from app.visits.service.names import Names, names_of
from app.visits.service.satisfaction import (
    rate,
    satisfaction,
)
from app.visits.service.specialists import (
    SpecialistNotFound,
    assign,
    assignment_history,
    create_specialist,
    get_specialist,
    is_responsible,
    list_specialists,
    responsible_specialist,
)
from app.visits.service.visits import (
    VisitNotFound,
    get_visit,
    list_visits,
    record_visit,
    round_coverage,
    rounds,
)

__all__ = [
    "DEMAND_SORTS",
    "VISIT_SORTS",
    "DemandNotFound",
    "Names",
    "SpecialistNotFound",
    "VisitNotFound",
    "assessment",
    "assign",
    "assignment_history",
    "create_specialist",
    "current_round",
    "demand_counts",
    "demand_history",
    "enterprises_told",
    "get_demand",
    "get_specialist",
    "get_visit",
    "is_responsible",
    "list_demands",
    "list_specialists",
    "list_visits",
    "may_act_for",
    "move_demand",
    "names_of",
    "raise_demand",
    "rate",
    "record_visit",
    "responsible_specialist",
    "round_coverage",
    "rounds",
    "satisfaction",
    "stream_demands",
    "stream_visits",
    "team_ranking",
    "visits_in_year",
]

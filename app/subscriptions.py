"""Every domain's subscribers, registered by importing them: the composition root (app.main,
app.cli) imports this module, so no event is published before its subscribers listen.
tests/test_events.py checks that each event a domain publishes has a subscriber."""

from app.outcomes import subscribers as outcomes_subscribers
from app.policies import subscribers as policies_subscribers
from app.pools import subscribers as pools_subscribers
from app.visits import subscribers as visits_subscribers

SUBSCRIBERS = (outcomes_subscribers, policies_subscribers, pools_subscribers, visits_subscribers)

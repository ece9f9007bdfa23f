"""Domain events: how a domain tells the domains that build on it what happened, without
importing them. A domain declares its events (`<domain>/events.py`) and publishes them in its
unit of work; the domains above subscribe (`<domain>/subscribers.py`, collected by
`app/subscriptions.py`) and react in the same transaction, so a subscriber's refusal undoes
the whole change. Events that record a change are also written to the outbox in that
transaction, for work that runs later (notifications, webhooks)."""

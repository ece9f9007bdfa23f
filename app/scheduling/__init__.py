"""Timed work in the service's own processes: jobs that run at a time of the zone's day, in
every worker of every replica, with what keeps them to once (an advisory lock, the day's run
record). A domain with a daily job declares a `DailyJob` and lists it in app.main."""

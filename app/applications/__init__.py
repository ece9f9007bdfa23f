"""Application campaigns (申报批次) and the enterprises' applications in them: lifecycle,
materials checklist and coaching."""

-- The change calendar reads the tickets whose windows overlap a range, of every environment.
CREATE INDEX tickets_window_start ON tickets(planned_start) WHERE planned_start IS NOT NULL;

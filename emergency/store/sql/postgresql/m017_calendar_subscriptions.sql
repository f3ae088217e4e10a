-- m017_calendar_subscriptions: what a token may do (scope): none is an API token; 'calendar' is a phone calendar's
-- subscription, which only reads its user's roster. As the SQLite migration of the same name.
ALTER TABLE tokens ADD COLUMN scope text;

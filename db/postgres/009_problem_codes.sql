-- Why a notification's last attempt failed, why a notification was skipped, and why a variable's
-- options script failed, as a problem code (api-spec ProblemCode) with its parameters (a JSON
-- object) beside the English text, so that clients can show them in the reader's language.
ALTER TABLE notifications ADD COLUMN last_error_code TEXT;
ALTER TABLE notifications ADD COLUMN last_error_params TEXT;
ALTER TABLE notifications ADD COLUMN skip_reason_code TEXT;
ALTER TABLE notifications ADD COLUMN skip_reason_params TEXT;
ALTER TABLE variables ADD COLUMN last_error_code TEXT;
ALTER TABLE variables ADD COLUMN last_error_params TEXT;

-- Rows written before: a general code; the text stays as the detail.
UPDATE notifications SET last_error_code = 'notification.delivery_failed', last_error_params = '{}'
    WHERE last_error IS NOT NULL;
UPDATE notifications SET skip_reason_code = 'notification.skipped', skip_reason_params = '{}'
    WHERE skip_reason IS NOT NULL;
UPDATE variables SET last_error_code = 'variable.script_failed',
    last_error_params = json_build_object('name', name)::TEXT
    WHERE last_error IS NOT NULL;

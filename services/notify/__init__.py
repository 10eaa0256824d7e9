"""Telling members about their assignments: email (SMTP), Signal (signal-cli REST API), reminders."""

"""The acceptance report: each check's outcome gathered into results.json (schema_version "1",
results.schema.json), and written out as acceptance.md and junit.xml, every file passed
through one redactor first."""

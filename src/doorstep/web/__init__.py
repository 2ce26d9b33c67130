"""Server-rendered pages: the public survey, the dashboard, their templates and static files."""

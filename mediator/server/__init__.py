"""`mediator serve`: the HTTP API (FastAPI + uvicorn) over a SQL store. Never imports Textual."""

"""The baseline of bench_serving.py: the most trivial FastAPI JSON endpoint, served the same way."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, object]:
    return {"status": "ok", "tasks": []}

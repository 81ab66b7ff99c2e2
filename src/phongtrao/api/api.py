"""The JSON API (OpenAPI at /api/docs): session-authenticated, every read scoped to the user."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from . import errors
from .routers.analytics import router as analytics_router
from .routers.catalog import router as catalog_router
from .routers.datavalues import router as datavalues_router
from .routers.orgunits import router as orgunits_router
from .routers.registries import router as registries_router

api = NinjaAPI(
    title="Phong Trào API",
    version="1",
    description="Số liệu phong trào Toàn dân bảo vệ an ninh Tổ quốc.",
    auth=django_auth,
    urls_namespace="api",
)
errors.install(api)
api.add_router("/orgunits", orgunits_router, tags=["orgunits"])
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/datavalues", datavalues_router, tags=["datavalues"])
api.add_router("/registries", registries_router, tags=["registries"])
api.add_router("/analytics", analytics_router, tags=["analytics"])

"""Place search for programs (any role's token): the geocoder the pages' maps use, with its cache and
its limits, never an open proxy to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import principal
from api.pages.places import geocoder_of, search_answer
from api.routes import Problem, answers
from services.geocode.service import MAX_QUERY
from services.store.tokens import Principal

router = APIRouter(prefix="/api", tags=["places"], responses=answers(401, 403))
SIGNED_IN = ("partner", "member", "coordinator")


def signed_in(who: Annotated[Principal, Depends(principal)]) -> Principal:
    """A partner, a member or a coordinator; a calendar feed's token is not a sign-in."""
    if who.role not in SIGNED_IN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs a partner, member or coordinator token")
    return who


class PlaceOut(BaseModel):
    name: str
    lat: float
    lon: float


class PlacesOut(BaseModel):
    query: str
    places: list[PlaceOut]


@router.get(
    "/places",
    response_model=PlacesOut,
    responses={503: {"model": Problem, "description": "The geocoder cannot answer just now."}},
)
def find_places(
    request: Request,
    who: Annotated[Principal, Depends(signed_in)],
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="A place or a postcode.")],
) -> JSONResponse:
    """Places matching ``q``, best first (at most MECHANIC_GEOCODER_RESULTS); an empty list if none."""
    return search_answer(geocoder_of(request), q)

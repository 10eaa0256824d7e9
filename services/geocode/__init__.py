"""Places as people name them: a typed place or postcode turned into coordinates (see service.py)."""

from services.geocode.service import Geocoder, GeocoderDown, Place, normalise

__all__ = ["Geocoder", "GeocoderDown", "Place", "normalise"]

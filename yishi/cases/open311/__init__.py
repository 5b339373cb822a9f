"""Open311 GeoReport v2 for cases, mounted at ``/open311/v2/``.

Each active ``Category`` is a service (``service_code`` = ``Category.key``); each ``Case`` is a service
request (``service_request_id`` = ``Case.number``). Requests are created through ``cases.services.case_submit``
with ``channel="open311"`` and read as public data only (no reporter contacts, text masked).

Responses follow https://wiki.open311.org/GeoReport_v2 in JSON and XML. Error descriptions are English
literals on purpose: they are read by client programs, not by residents, so they are not translated.
"""

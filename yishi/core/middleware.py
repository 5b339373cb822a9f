"""Elder-friendly mode (适老化): large text, remembered per user, or per browser for visitors."""

ELDER_COOKIE = "yishi_large_text"


class ElderModeMiddleware:
    """Sets ``request.large_text`` from the user's saved choice, else from the visitor's cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.large_text = user.large_text
        else:
            request.large_text = request.COOKIES.get(ELDER_COOKIE) == "1"
        return self.get_response(request)


class RejectNulMiddleware:
    """Refuse any request whose path, query or form values contain a NUL character, with a 400.

    No client has a reason to send one, and PostgreSQL cannot store or even compare it: caught here, once, it
    can never surface as a database error (a 500) in a search box, a filter, a URL or an Open311 field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return True
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            return any(
                "\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists()
            )
        return False

    @staticmethod
    def _refuse(request):
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        message = _("请求中含有无效字符。")
        if request.path.startswith("/open311/"):
            return JsonResponse(
                [{"code": 400, "description": "The request contains a NUL character."}],
                safe=False,
                status=400,
            )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

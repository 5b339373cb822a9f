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

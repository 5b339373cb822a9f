def boards_with_notices():
    return []


def public_notice_list(*, limit=10):
    return []

from django import forms
from django.utils.translation import gettext_lazy as _


class AttachmentUploadForm(forms.Form):
    """Input shape of an upload: which record, and the file. The rules live in ``attachment_add``."""

    content_type = forms.IntegerField(widget=forms.HiddenInput)
    object_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("文件"),
        error_messages={"required": _("请选择要上传的文件。"), "empty": _("文件是空的。")},
        allow_empty_file=True,  # the service gives the one message for empty files
    )

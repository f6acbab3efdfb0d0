from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jiceng.web.forms import BootstrapForm


class UploadForm(BootstrapForm):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(".xlsx, .xls or .csv (UTF-8 or GB18030); members, organisations or both"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.JICENG_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB") % {"mb": limit // (1024 * 1024)}
            )
        return upload

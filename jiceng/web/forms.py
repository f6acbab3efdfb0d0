"""Form helpers shared by every app's web forms."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


def add_service_errors(
    form: forms.Form, exc: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError beside the fields it names.

    Services raise `ValidationError({field: [message]})` with model field names; `field_map`
    renames those the form calls differently; anything else becomes a form-level error.
    """
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = field_map.get(field, field)
        if name not in form.fields:
            name = NON_FIELD_ERRORS
        for error in errors:
            form.add_error(None if name == NON_FIELD_ERRORS else name, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AutocompleteWidget(forms.Widget):
    """A hidden input holding a pk, and a search box that asks `source` (an HTMX endpoint
    returning `includes/autocomplete_options.html`) for matching records as the user types.

    Never renders a list of every choice: fast at city scale. `label_for(pk)` gives the text
    shown for the current value; it must look the record up through restrict().
    """

    template_name = "web/widgets/autocomplete.html"  # app dir: the form renderer looks there

    def __init__(self, source: str = "", attrs=None, label_for=None):
        super().__init__(attrs)
        self.source = source
        self.label_for = label_for

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        if value not in (None, "") and self.label_for is not None:
            label = self.label_for(value) or ""
        context["widget"].update(
            source=self.source,
            label=label,
            placeholder=self.attrs.get("placeholder", _("Type to search")),
        )
        return context


class AutocompleteField(forms.Field):
    """The pk of a record chosen with `AutocompleteWidget`; the service decides whether the
    record exists and lies within the user's scope (so its message shows beside the field)."""

    widget = AutocompleteWidget
    default_error_messages = {"invalid": _("Choose from the list")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes; errors are rendered beside each field
    by `includes/field.html`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        """Give each widget its Bootstrap class (call again after replacing fields)."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, AutocompleteWidget | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if css not in widget.attrs.get("class", "").split():
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            for name in self.errors:
                if name in self.fields:
                    widget = self.fields[name].widget
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                    widget.attrs["aria-invalid"] = "true"

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.errors import ApplicationError
from portal.forms import show_error
from portal.services import audit_record


class PortalAdminSite(admin.AdminSite):
    site_header = _("高校党建网络培训 · 管理后台")
    site_title = _("管理后台")
    index_title = _("学院项目管理")

    def has_permission(self, request):
        return access.can_use_admin(request.user)


class ServiceForm(forms.ModelForm):
    """A ModelForm that, after the model's own checks, asks the service's ``validator`` too: the
    admin refuses what the pages and the API refuse, with the same messages, on the form."""

    validator = None

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.validator is None:
            return
        try:
            self.validator(self.instance)
        except ApplicationError as error:
            show_error(self, error)


class AccessModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every permission and queryset comes from ``portal.access``.

    Every save and delete made through it is written to the audit log. A service that refuses a
    save (its check repeated inside a lock found the rule broken meanwhile) rolls the whole change
    back, and the user sees why.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if "password" not in name]
        audit_record(
            actor=request.user,
            action=f"{self.model._meta.model_name}.{'change' if change else 'create'}",
            target=obj,
            details={
                "changed": changed,
                "password_changed": len(changed) != len(form.changed_data),
            },
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action=f"{self.model._meta.model_name}.delete", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(
                actor=request.user, action=f"{self.model._meta.model_name}.delete", target=obj
            )
        super().delete_queryset(request, queryset)

    def get_queryset(self, request):
        return access.scope(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return access.can(request.user, access.VIEW, self.model) and access.can_use_admin(
            request.user
        )

    def has_view_permission(self, request, obj=None):
        return access.can(request.user, access.VIEW, obj if obj is not None else self.model)

    def has_add_permission(self, request):
        return access.can(request.user, access.ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return access.can(request.user, access.CHANGE, obj if obj is not None else self.model)

    def has_delete_permission(self, request, obj=None):
        return access.can(request.user, access.DELETE, obj if obj is not None else self.model)


class AccessInlineMixin:
    """For inlines: the same decisions, taken on the inline's model."""

    def has_view_permission(self, request, obj=None):
        return access.can(request.user, access.VIEW, self.model)

    def has_add_permission(self, request, obj=None):
        return access.can(request.user, access.ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return access.can(request.user, access.CHANGE, self.model)

    def has_delete_permission(self, request, obj=None):
        return access.can(request.user, access.DELETE, self.model)

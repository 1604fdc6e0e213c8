"""The inventory of personal data (portal/privacy.py) covers every field of every model: a field
added without a decision — personal with its export and erasure handling, or not personal — fails
here, and so does an entry naming a field that no longer exists."""

from django.apps import apps

from portal import privacy

EXPORTS = {privacy.EXPORT, privacy.EXPORT_DECRYPTED, privacy.EXPORT_FILE, privacy.NO_EXPORT}
ERASURES = {
    privacy.BLANK,
    privacy.PSEUDONYMISE,
    privacy.DELETE_ROW,
    privacy.DELETE_FILE,
    privacy.KEEP_BY_LAW,
    privacy.NOT_HERS,
}


def _fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.many_to_many
    }


def test_every_model_of_the_project_is_in_the_inventory():
    labels = {model._meta.label for model in apps.get_models()}
    missing = labels - set(privacy.INVENTORY)
    assert not missing, f"add these models to portal/privacy.py INVENTORY: {sorted(missing)}"
    stale = set(privacy.INVENTORY) - labels
    assert not stale, f"INVENTORY names models that no longer exist: {sorted(stale)}"


def test_every_field_is_decided_personal_with_handlers_or_not_personal():
    undecided, stale, twice = [], [], []
    for model in apps.get_models():
        entry = privacy.INVENTORY[model._meta.label]
        fields = _fields(model)
        declared = set(entry.personal) | set(entry.not_personal)
        undecided += [f"{model._meta.label}.{name}" for name in sorted(fields - declared)]
        stale += [f"{model._meta.label}.{name}" for name in sorted(declared - fields)]
        twice += [
            f"{model._meta.label}.{name}" for name in set(entry.personal) & entry.not_personal
        ]
    assert not undecided, (
        "decide these fields in portal/privacy.py (personal, with export and erasure, or not "
        f"personal): {undecided}"
    )
    assert not stale, f"the inventory names fields that do not exist: {stale}"
    assert not twice, f"declared both personal and not personal: {twice}"


def test_every_personal_field_has_a_known_handler_and_a_reason():
    for label, entry in privacy.INVENTORY.items():
        for name, handling in entry.personal.items():
            where = f"{label}.{name}"
            assert handling.export in EXPORTS, where
            assert handling.erase in ERASURES, where
            assert handling.reason.strip(), f"{where}: say why"
            if handling.erase == privacy.PSEUDONYMISE and name != "password":
                assert handling.replacement, f"{where}: a pseudonym needs its replacement"
            if handling.subject == privacy.LEARNER:
                assert handling.erase != privacy.NOT_HERS, f"{where}: her own data is hers"


def test_a_field_that_looks_personal_is_never_declared_not_personal():
    """Names that usually hold personal data must be decided as personal, not waved through."""
    suspicious = ("name", "mobile", "phone", "email", "id_", "password", "address", "body")
    allowed = {
        # Names of things, not people.
        "auth.Permission.name",
        "auth.Group.name",
        "enrollment.Province.name",
        "enrollment.Institution.name",
        "courses.Program.name",
        "courses.SimulationStage.name",
        "courses.SimulationStep.name",
        "courses.Cohort.name",
        "billing.BankStatement.filename",
        "auth.Permission.codename",
        # A flag, not a password.
        "portal.User.must_change_password",
        # Opaque ids of rows.
        "portal.AuditEvent.object_id",
        "admin.LogEntry.object_id",
    }
    flagged = [
        f"{label}.{name}"
        for label, entry in privacy.INVENTORY.items()
        for name in entry.not_personal
        if any(word in name for word in suspicious) and f"{label}.{name}" not in allowed
    ]
    assert not flagged, f"these look personal; declare them in `personal`: {flagged}"


def test_a_model_with_her_rows_names_how_to_find_them():
    for label, entry in privacy.learner_models().items():
        model = apps.get_model(label)
        str(model._default_manager.filter(**{entry.owner: 0}).query)  # the lookup resolves
        assert entry.rows in ("keep", "delete", "special"), label

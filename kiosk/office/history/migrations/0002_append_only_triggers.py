"""The database itself refuses UPDATE and DELETE on history events (SQLite and PostgreSQL)."""

from django.db import migrations


def forwards(apps, schema_editor):  # noqa: ANN001, ANN201
    from kiosk.office.history.triggers import install

    install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("history", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

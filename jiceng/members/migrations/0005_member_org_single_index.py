"""Drop the index on members_member.org_id alone: member_org_rolls (org_id, leave_status)
serves every lookup by branch. A plain DROP INDEX (SQLite would otherwise copy the whole
table to change a field's index flag)."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "members_member_org_id_b6aaec52"  # the name Django gave the foreign key's index


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_encrypt_personal_data"),
        ("orgs", "0002_villages_and_terms_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "members_member" ("org_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="org",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="members",
                        to="orgs.organization",
                        verbose_name="branch",
                    ),
                ),
            ],
        ),
    ]

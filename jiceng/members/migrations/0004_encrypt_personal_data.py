"""Encrypt members' ID numbers, phones and addresses at rest (jiceng.core.crypto).

1. add the keyed-hash column, 2. widen the three columns to text, 3. encrypt what is stored in
plain text and fill the hash (raw SQL: the model's field would try to decrypt plain text),
4. make the hash unique, as the ID number was.
"""

import django.db.models
from django.db import migrations

import jiceng.core.fields

CHUNK = 5000


def encrypt_existing(apps, schema_editor):
    from jiceng.core import crypto

    connection = schema_editor.connection
    table = connection.ops.quote_name("members_member")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, phone, address FROM {table} ORDER BY id")
        rows = cursor.fetchall()
    updates = []
    for pk, number, phone, address in rows:
        if number and crypto.is_encrypted(number):
            continue
        updates.append(
            (
                crypto.encrypt(number or ""),
                crypto.lookup_hash(number or ""),
                crypto.encrypt(phone or "") if not crypto.is_encrypted(phone or "") else phone,
                crypto.encrypt(address or "")
                if not crypto.is_encrypted(address or "")
                else address,
                pk,
            )
        )
    with connection.cursor() as cursor:
        for i in range(0, len(updates), CHUNK):
            cursor.executemany(
                f"UPDATE {table} SET id_number = %s, id_number_hash = %s, phone = %s, "
                "address = %s WHERE id = %s",
                updates[i : i + CHUNK],
            )


class Migration(migrations.Migration):
    dependencies = [("members", "0003_applied_on")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="id_number_hash",
            field=django.db.models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="member",
            name="id_number",
            field=jiceng.core.fields.EncryptedTextField(verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="member",
            name="phone",
            field=jiceng.core.fields.EncryptedTextField(blank=True, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="member",
            name="address",
            field=jiceng.core.fields.EncryptedTextField(blank=True, verbose_name="home address"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="member",
            name="id_number_hash",
            field=django.db.models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]

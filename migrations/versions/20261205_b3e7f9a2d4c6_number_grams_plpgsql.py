"""cddh_number_grams in PL/pgSQL, with its cost said (PostgreSQL)

As SQL the function was inlined, and the planner costed the pieces' expression as a few
operators a row. A list's first thousand tasks of a document number's piece held by some
7 % of the documents, unevenly spread, were then read by scanning the documents until
enough held it, from wherever the last scan of the table had stopped: 4 to 85 ms. Not
inlined, with its cost (300), the planner reads such a piece's documents from the index
(4-6 ms) and a very common one's from the table. Same pieces: the index is unchanged.

Revision ID: b3e7f9a2d4c6
Revises: a9d4e6b2c8f3
Create Date: 2026-12-05 13:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e7f9a2d4c6'
down_revision = 'a9d4e6b2c8f3'
branch_labels = None
depends_on = None

# As cddh.models.document.NUMBER_GRAMS_FUNCTION at this revision.
NUMBER_GRAMS_FUNCTION = r"""CREATE OR REPLACE FUNCTION cddh_number_grams(search_text text, number text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 300 AS $$
BEGIN
  RETURN string_to_array(substr(coalesce(search_text, ''), 2, length(coalesce(number, ''))), NULL)
      || string_to_array(regexp_replace(substr(coalesce(search_text, ''), 2,
                                               length(coalesce(number, ''))), '(..)', '\1,', 'g'), ',')
      || string_to_array(regexp_replace(substr(coalesce(search_text, ''), 3,
                                               length(coalesce(number, '')) - 1), '(..)', '\1,', 'g'), ',');
END
$$"""

# As at revision a7d3e5c1b9f4.
PREVIOUS = r"""CREATE OR REPLACE FUNCTION cddh_number_grams(search_text text, number text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_to_array(substr(coalesce(search_text, ''), 2, length(coalesce(number, ''))), NULL)
      || string_to_array(regexp_replace(substr(coalesce(search_text, ''), 2,
                                               length(coalesce(number, ''))), '(..)', '\1,', 'g'), ',')
      || string_to_array(regexp_replace(substr(coalesce(search_text, ''), 3,
                                               length(coalesce(number, '')) - 1), '(..)', '\1,', 'g'), ',')
$$"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(NUMBER_GRAMS_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PREVIOUS)

"""The record's own figures, typed once (reference/migration-034-record.md).

This is the one test that types figures: every other test takes them from the definition. It
holds the definition to what the record says, so a definition, a fold or a count that drifts
from the record fails here. Its figures are also pin sites of the example definition, which
``iucore pins --check`` reads (the record's Python tests' governed and catalog counts, the SSOT
seed's expected count, and the D9 surface by kind): changing a figure of the definition without
changing it here fails both.
"""

import unittest

import iucore

from tests.support import DEFINITION

# The SSOT seed's verification, as the record's 280_operator_runtime_catalog_seed.sql has it
# before 034 ("24 rows + expected_24") and after ("26 rows + expected_26").
BASELINE_SEED_CHECK = "AS expected_24"
LATEST_SEED_CHECK = "AS expected_26"

# test_iu_core_ddl.py::EXPECTED_COUNTS (D9): 034 is data-only, so they hold before and after.
EXPECTED_COUNTS = {
    "table": 29,
    "view": 30,
    "function": 65,
    "trigger": 6,
    "config": 13,
    "event_type": 22,
    "route": 16,
}
EXPECTED_TOTAL = 181

# dot_commands.py's _REGISTRY as the record's table has it: "32 entries" before 034, "34 entries"
# after ("2 new builders + 2 _cmd(...)").
REGISTRY_BEFORE_034 = 32
REGISTRY_AFTER_034 = 34

# The two rows 034 adds, as the record's table names them.
ROWS_OF_034 = {
    "dot_iu_auto_instantiate_from_event": ("collection", True, True),
    "dot_iu_auto_instantiate_rollback_by_actor": ("lifecycle", True, True),
}


class RecordFiguresTest(unittest.TestCase):
    def setUp(self):
        self.definition = iucore.Definition.from_file(DEFINITION)

    def tearDown(self):
        self.definition.close()

    def governed(self, version=None):
        rows = {row["command_name"] for row in self.definition.catalog(version)}
        return [command for command in self.definition.registry if command in rows]

    def test_twenty_governed_commands(self):
        # test_iu_core_500x_operator_surface.py::test_twenty_governed_commands
        governed = self.governed()
        self.assertEqual(len(governed), 26)
        governed_before = self.governed("033")
        self.assertEqual(len(governed_before), 24)

    def test_seed_row_count_matches_governed_registry(self):
        # test_iu_core_540x_operator_runtime.py::test_seed_row_count_matches_governed_registry
        catalog = self.definition.catalog()
        self.assertEqual(len(catalog), 26)
        self.assertEqual(len(self.governed()), len(catalog))
        self.assertIn(LATEST_SEED_CHECK, self.definition.render_seed()["sql"])

    def test_before_034(self):
        before = self.definition.catalog("033")
        self.assertEqual(len(before), 24)
        targets_before = {fn for row in before for fn in row["target_functions"]}
        self.assertEqual(len(targets_before), 22)
        self.assertIn(BASELINE_SEED_CHECK, self.definition.render_seed("033")["sql"])

    def test_after_034(self):
        after = self.definition.catalog("034")
        targets_after = {fn for row in after for fn in row["target_functions"]}
        self.assertEqual(len(targets_after), 24)
        added = {
            row["command_name"]: (row["category"], row["mutating"], row["reversible"])
            for row in after
            if row["command_name"] in ROWS_OF_034
        }
        self.assertEqual(added, ROWS_OF_034)
        # "INSERT 0 2": 24 -> 26.
        self.assertEqual(len(after) - len(self.definition.catalog("033")), 2)

    def test_registry_32_to_34(self):
        # dot_commands.py's _REGISTRY: 32 entries before 034, 2 new builders after; the library
        # counts an entry from the migration that registered it.
        self.assertEqual(self.definition.figures()["version"], "034")
        self.assertEqual(self.definition.figures("033")["registry_entries"], REGISTRY_BEFORE_034)
        self.assertEqual(self.definition.figures("034")["registry_entries"], REGISTRY_AFTER_034)
        registry = self.definition.registry
        self.assertEqual(len(registry), 34)
        self.assertEqual(len([c for c in registry if c not in ROWS_OF_034]), REGISTRY_BEFORE_034)

    def test_d9_surface_by_kind(self):
        for version in ("033", "034"):
            with self.subTest(version=version):
                surface = self.definition.figures(version)["surface"]
                self.assertEqual({kind: surface[kind] for kind in EXPECTED_COUNTS}, EXPECTED_COUNTS)
                self.assertEqual(surface["total"], EXPECTED_TOTAL)
                self.assertEqual(sum(EXPECTED_COUNTS.values()), EXPECTED_TOTAL)


if __name__ == "__main__":
    unittest.main()

"""Statistics of assessments (contract section 17), read-only and replica-ready."""

//! Test patterns for medical display QC: pattern specifications rendered to exact digital driving levels (DDL).

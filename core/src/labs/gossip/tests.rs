//! The rules of SWIM, one test per sentence.

//! Placeholder until the detector lands: claims nothing.

/// This detector, when it exists.
pub fn detector() -> Option<&'static dyn crate::detect::Detector> {
    None
}

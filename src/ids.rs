//! Typed ids shared by the driver, the event sources and both platform models.
//! Platform-internal ids (LMI's EEs and instances) live with their model.

/// A function: its index in the scenario's `functions` list.
#[repr(transparent)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionId(pub u32);

impl FunctionId {
    /// The function's index in the scenario.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the function at index `i`.
    #[inline]
    pub fn of(i: usize) -> Self {
        debug_assert!(i <= u32::MAX as usize);
        FunctionId(i as u32)
    }
}

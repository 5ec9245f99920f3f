pub mod calendar;
pub mod deadline;

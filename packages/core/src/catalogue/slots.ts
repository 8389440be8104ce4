/** The first slots of every program's value array hold the bar being evaluated. */
export const SLOT_TIME = 0;
export const SLOT_OPEN = 1;
export const SLOT_HIGH = 2;
export const SLOT_LOW = 3;
export const SLOT_CLOSE = 4;
export const SLOT_VOLUME = 5;
export const BAR_SLOTS = 6;

package orders

import "errors"

// ErrData means a data set that cannot be served; the message names the
// order or field to fix.
var ErrData = errors.New("orders: invalid data")

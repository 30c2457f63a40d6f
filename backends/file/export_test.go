package file

// SetBeforeOpen makes b call f with the name of each file just before
// opening it, so that a test can swap what is at that name.
func SetBeforeOpen(b *Backend, f func(name string)) { b.beforeOpen = f }

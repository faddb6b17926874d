//go:build !unix

package compare

import "os"

func umask() os.FileMode { return 0o022 }

// CLMDiscover

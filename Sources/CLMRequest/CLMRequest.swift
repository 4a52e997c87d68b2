// CLMRequest

package claim

// MaskMember hides the middle of a member id for logs: the first three and the last two
// characters stay ("M000042" → "M00****42"); an id of five characters or fewer is all
// stars.
func MaskMember(id string) string {
	r := []rune(id)
	if len(r) <= 5 {
		return "****"
	}
	return string(r[:3]) + "****" + string(r[len(r)-2:])
}

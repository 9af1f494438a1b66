// PreSignUp: auto-confirm (and verify) company addresses, refuse everyone else.
exports.handler = async (event) => {
	const email = event.request.userAttributes.email || '';
	if (!email.endsWith('@approvedcompany.com')) {
		throw new Error('We only allow company email addresses');
	}
	event.response.autoConfirmUser = true;
	event.response.autoVerifyEmail = true;
	return event;
};

// The same PreSignUp as pre-signup.js, written in the older callback style.
exports.handler = (event, context, callback) => {
	const email = event.request.userAttributes.email || '';
	if (!email.endsWith('@approvedcompany.com')) {
		callback(new Error('We only allow company email addresses'));
		return;
	}
	event.response.autoConfirmUser = true;
	event.response.autoVerifyEmail = true;
	callback(null, event);
};

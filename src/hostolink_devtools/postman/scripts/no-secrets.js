function keysOf(value, acc) {
  if (Array.isArray(value)) { value.forEach(function (v) { keysOf(v, acc); }); }
  else if (value && typeof value === 'object') {
    Object.keys(value).forEach(function (k) { acc.push(k); keysOf(value[k], acc); });
  }
  return acc;
}
pm.test("ni mot de passe, ni empreinte, ni OTP dans la réponse", function () {
  const keys = keysOf(body, []);
  pm.expect(keys).to.not.include("mdp");
  pm.expect(keys.filter(function (k) { return /hash|mdp|otp_code|code_otp/i.test(k); }))
    .to.eql([]);
  pm.expect(pm.response.text()).to.not.match(/\$argon2|\$2[aby]\$/);
});

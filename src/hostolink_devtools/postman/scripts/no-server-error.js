pm.test("pas d'erreur serveur (5xx)", function () {
    pm.expect(pm.response.code).to.be.below(500);
});

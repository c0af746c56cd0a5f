// Experiment, not a fix: preloaded into the gateway (BENCH_GATEWAY_NODE_FLAGS="--require
// ./bench/experiments/jwt-keyobject.cjs") it makes jsonwebtoken.verify get a KeyObject made
// once instead of the secret string. With a string, jsonwebtoken 9 first tries
// crypto.createPublicKey(secret) (which throws) and then createSecretKey, on every call.
const crypto = require('node:crypto');
const jwt = require('jsonwebtoken');
const keys = new Map();
const verify = jwt.verify;
jwt.verify = function (token, secret, ...rest) {
  if (typeof secret === 'string') {
    let key = keys.get(secret);
    if (!key) keys.set(secret, (key = crypto.createSecretKey(Buffer.from(secret))));
    secret = key;
  }
  return verify.call(this, token, secret, ...rest);
};

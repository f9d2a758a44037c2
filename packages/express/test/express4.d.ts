// The Express 4 devDependency is installed under the alias `express4`; it has the same
// module shape as `express`, and these tests only use the API common to 4 and 5.
declare module 'express4' {
  import express = require('express');
  export = express;
}

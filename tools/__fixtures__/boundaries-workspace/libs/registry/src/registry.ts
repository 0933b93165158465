export class Registry {}
